// Time zones as people in Russia name them: by a city everyone knows, never by an IANA id.

/** Russia's time zones by a city everyone knows, for the organisation's details. */
export const TIME_ZONES = [
  ['Europe/Kaliningrad', 'Калининград (UTC+2)'],
  ['Europe/Moscow', 'Москва (UTC+3)'],
  ['Europe/Volgograd', 'Волгоград (UTC+3)'],
  ['Europe/Samara', 'Самара (UTC+4)'],
  ['Europe/Saratov', 'Саратов (UTC+4)'],
  ['Europe/Ulyanovsk', 'Ульяновск (UTC+4)'],
  ['Europe/Astrakhan', 'Астрахань (UTC+4)'],
  ['Asia/Yekaterinburg', 'Екатеринбург (UTC+5)'],
  ['Asia/Omsk', 'Омск (UTC+6)'],
  ['Asia/Novosibirsk', 'Новосибирск (UTC+7)'],
  ['Asia/Barnaul', 'Барнаул (UTC+7)'],
  ['Asia/Tomsk', 'Томск (UTC+7)'],
  ['Asia/Novokuznetsk', 'Новокузнецк (UTC+7)'],
  ['Asia/Krasnoyarsk', 'Красноярск (UTC+7)'],
  ['Asia/Irkutsk', 'Иркутск (UTC+8)'],
  ['Asia/Chita', 'Чита (UTC+9)'],
  ['Asia/Yakutsk', 'Якутск (UTC+9)'],
  ['Asia/Vladivostok', 'Владивосток (UTC+10)'],
  ['Asia/Sakhalin', 'Южно-Сахалинск (UTC+11)'],
  ['Asia/Magadan', 'Магадан (UTC+11)'],
  ['Asia/Srednekolymsk', 'Среднеколымск (UTC+11)'],
  ['Asia/Kamchatka', 'Камчатка (UTC+12)'],
  ['Asia/Anadyr', 'Анадырь (UTC+12)'],
];

/** A time zone by its city («Москва (UTC+3)»); one outside the list by what it is. */
export function zoneTitle(id) {
  const known = TIME_ZONES.find(([zone]) => zone === id);
  return known ? known[1] : 'часовой пояс не из списка российских';
}
