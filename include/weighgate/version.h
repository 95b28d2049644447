/* The product version, in every startup event and --version. */
#ifndef WEIGHGATE_VERSION_H
#define WEIGHGATE_VERSION_H

#define WEIGHGATE_VERSION "0.1.0"

#endif
