/* A Modbus device's address: tcp://HOST:PORT?unit=N or rtu:DEVICE?baud=...&unit=N (src/devaddr.c). */
#ifndef WEIGHGATE_DEVADDR_H
#define WEIGHGATE_DEVADDR_H

#include <stdbool.h>
#include <stddef.h>

enum dev_type { DEV_NONE, DEV_TCP, DEV_RTU };

/* tcp://HOST:PORT?unit=N or rtu:DEVICE?baud=B&parity=N|E|O&data=D&stop=S&unit=N */
struct devaddr {
	enum dev_type type;
	char host[256];		/* TCP */
	int port;
	char device[256];	/* RTU */
	int baud;
	char parity;		/* 'N', 'E' or 'O' */
	int data_bits;
	int stop_bits;
	int unit;		/* 0-255 on TCP, 1-247 on RTU */
};

/* Returns 0, or -1 with err saying what is wrong with the address. */
int devaddr_parse(const char *s, struct devaddr *out, char *err, size_t errlen);
/* Two addresses reach the same connection (TCP host:port or RTU device). */
bool devaddr_same_link(const struct devaddr *a, const struct devaddr *b);
/* The canonical text of an address ("none" for DEV_NONE), for logs and hashes. */
void devaddr_format(const struct devaddr *a, char *out, size_t outlen);

#endif
