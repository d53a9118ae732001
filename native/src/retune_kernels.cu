// Unity file: one nvcc invocation compiles every kernel into one fatbin (native/build.sh), and the test harness
// includes this file to launch the very same code.
#include "codebook_ce.cu"
#include "sampling.cu"
#include "adamw.cu"
