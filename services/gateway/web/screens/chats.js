// A place for the chats in the navigation: the messaging service arrives in the next slice.
import { h, replace } from '../dom.js';
import { section } from '../ui.js';

export function render(main) {
  replace(
    main,
    h('h1', {}, 'Чаты'),
    section(
      'Скоро',
      h('p', {}, 'Чаты классов, каналы организации, опросы и звонки появятся здесь в следующем выпуске.'),
    ),
  );
}
