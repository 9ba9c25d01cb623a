// libhdf5 (Debian: libhdf5-dev, serial). HDF5's type and flag constants are macros that call
// into the library (H5OPEN), which Swift cannot import; these functions return them.
#include <hdf5.h>

static inline hid_t nexus_h5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t nexus_h5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t nexus_h5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t nexus_h5_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t nexus_h5_c_string(void) { return H5T_C_S1; }
static inline hid_t nexus_h5_default(void) { return H5P_DEFAULT; }
static inline hid_t nexus_h5_all(void) { return H5S_ALL; }
static inline unsigned nexus_h5_read_only(void) { return H5F_ACC_RDONLY; }
static inline unsigned nexus_h5_truncate(void) { return H5F_ACC_TRUNC; }
/// Errors are reported by the caller (with the file and the dataset named), not printed.
static inline void nexus_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
/// Group creation that keeps the order members were added in (h5py's track_order=True, as
/// Minari writes episodes).
static inline hid_t nexus_h5_ordered_group_creation(void) {
    hid_t list = H5Pcreate(H5P_GROUP_CREATE);
    if (list >= 0) H5Pset_link_creation_order(list, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    return list;
}
/// The same for a new file's root group.
static inline hid_t nexus_h5_ordered_file_creation(void) {
    hid_t list = H5Pcreate(H5P_FILE_CREATE);
    if (list >= 0) H5Pset_link_creation_order(list, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    return list;
}
