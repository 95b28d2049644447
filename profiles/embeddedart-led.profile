; Embedded Art LED display control card, Modbus RTU: a sign without a
; message counter and without a colour register.
;
; Source: Embedded Art, "LED Display Control Card" product page, section
; "MODBUS Configuration" (docs-embeddedart-in.pages.dev/products/led-
; display-control-card): 9600 8N1, function 16 (write multiple
; registers) writes the text, line 1 starts at address 1000, line 2 at
; 2000; function 6 writes the settings (29 module count, 41 device id).
;
; Assumed, because the page does not say: address 1000 is the protocol
; address; each register carries two ASCII characters, high byte first,
; NUL padded; one line holds 16 registers (32 characters).  The card
; shows one colour: the lane's colour is not sent.
[device]
name = embeddedart-led
kind = led
numbering = 0

[led]
text = 1000
text_registers = 16
encoding = ASCII
byte_order = high_first
