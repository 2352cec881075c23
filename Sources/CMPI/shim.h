#pragma once
// Open MPI's handles (MPI_COMM_WORLD, MPI_BYTE, MPI_SUM, …) are macros over the addresses of global objects
// (`((MPI_Comm) &ompi_mpi_comm_world)`), which Swift cannot import. Each gets a static inline accessor here.
#include <mpi.h>

static inline MPI_Comm xs_MPI_COMM_WORLD(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype xs_MPI_BYTE(void) { return MPI_BYTE; }
static inline MPI_Datatype xs_MPI_INT64_T(void) { return MPI_INT64_T; }
static inline int xs_MPI_THREAD_SERIALIZED(void) { return MPI_THREAD_SERIALIZED; }
static inline int xs_MPI_SUCCESS(void) { return MPI_SUCCESS; }
