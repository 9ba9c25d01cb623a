// OpenBLAS's CBLAS interface. pkg-config (openblas) points at the openblas-pthread include
// folder, so <cblas.h> cannot come from another BLAS installed on the same machine.
#include <cblas.h>
