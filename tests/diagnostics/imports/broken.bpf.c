// Imported by h4_import_c_build_error.bt: does not compile.
int broken(int x) { return x +; }
