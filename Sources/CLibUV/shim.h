#ifndef KCT_CLIBUV_SHIM_H
#define KCT_CLIBUV_SHIM_H
// libuv is used straight from Swift; this header exists so the module map has one entry point
// and so helpers that Swift cannot express (macros, unions) have a typed home.
#include <uv.h>

#endif
