// libFuzzer's driver entry point (compiler-rt, LLVM 12+), declared for Swift.
//
// SwiftPM links an executable with `main` defined as `<module>_main`, so the
// targets cannot use libFuzzer's own `main`; each defines `<module>_main` and
// hands control to this driver instead.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
