#pragma once
// HDF5's "constants" are macros over global ids (H5T_NATIVE_FLOAT expands to H5OPEN H5T_NATIVE_FLOAT_g)
// or casts ((hid_t)0), which Swift cannot import. Each gets a static inline accessor here.
#include <hdf5.h>

static inline hid_t xs_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t xs_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t xs_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t xs_H5E_CANTLOCKFILE(void) { return H5E_CANTLOCKFILE; }
static inline hsize_t xs_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline size_t xs_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline unsigned xs_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned xs_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned xs_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned xs_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned xs_H5Z_FLAG_REVERSE(void) { return H5Z_FLAG_REVERSE; }
static inline unsigned xs_H5Z_FLAG_OPTIONAL(void) { return H5Z_FLAG_OPTIONAL; }
static inline unsigned xs_H5Z_FLAG_MANDATORY(void) { return H5Z_FLAG_MANDATORY; }

static inline hid_t xs_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t xs_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t xs_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t xs_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t xs_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline hid_t xs_H5P_ATTRIBUTE_CREATE(void) { return H5P_ATTRIBUTE_CREATE; }

static inline hid_t xs_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t xs_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t xs_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t xs_H5T_NATIVE_INT16(void) { return H5T_NATIVE_INT16; }
static inline hid_t xs_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t xs_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t xs_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t xs_H5T_C_S1(void) { return H5T_C_S1; }

// Little-endian file types, so stores written on any machine have one layout.
static inline hid_t xs_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t xs_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t xs_H5T_STD_I8LE(void) { return H5T_STD_I8LE; }
static inline hid_t xs_H5T_STD_I16LE(void) { return H5T_STD_I16LE; }
static inline hid_t xs_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }
static inline hid_t xs_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t xs_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
