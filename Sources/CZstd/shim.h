#ifndef WINNOW_CZSTD_SHIM_H
#define WINNOW_CZSTD_SHIM_H

#include <zstd.h>

#endif
