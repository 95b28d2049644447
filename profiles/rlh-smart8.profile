; RLH Industries Smart-8 contact output (relay) unit, Modbus TCP.
;
; Source: RLH Smart Contact Output user manual, "Device Configuration",
; pages 26-27: Modbus TCP slave, one connection, port 502; function 1
; reads the relay states (coils 00001-00008); function 6 writes the
; control mode of relay N to holding register 4000N: 0 AUTO (follows the
; linked input sensor), 1 OFF, 2 ON.  The base registers are configurable
; ("Relay Control Method Base"); the default configuration is used here.
;
; Assumed: the register numbers 40001-40008 count from 1 (40001 is
; protocol address 0); relays 1-3 are wired to the barrier, the passage
; light and the sounder.  The Smart-8 has no inputs of its own: the
; barrier position and the loops come from another module.
[device]
name = rlh-smart8
kind = io
numbering = 1

[output barrier_up]
table = holding
address = 1		; 40001, relay 1
mode = value
on = 2
off = 1

[output light]
table = holding
address = 2		; 40002, relay 2
mode = value
on = 2
off = 1

[output alarm]
table = holding
address = 3		; 40003, relay 3
mode = value
on = 2
off = 1
