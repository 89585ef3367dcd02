/* The fixed part of every generated tool.main.cpp: the headers its tables,
 * its bpftool skeleton and its main() need. It is the same for every tool,
 * so the build precompiles it (build/driver-pch/, see CMakeLists.txt) and
 * bt2bin's driver compile reads the precompiled form; a hand compile of
 * --emit-c output reads this file as usual. Keep it the first include. */
#ifndef BT2BIN_DRIVER_H
#define BT2BIN_DRIVER_H

#include <errno.h>
#include <stdlib.h>
#include <linux/types.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <bpf/libbpf.h>

#include "skeletons/bt2bin_types.h"
#include "runtime-template/tool_runtime.h"

#endif /* BT2BIN_DRIVER_H */
