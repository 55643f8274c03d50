"""`parta-sfu`: the selective forwarding unit. It takes each publisher's RTP after SRTP decryption
and sends it to each subscriber, rewritten per subscriber, never decoding (docs/decisions/007)."""
