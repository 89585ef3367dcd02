// Imported by 415_import_c_build_error.bt: does not compile.
int broken(int x) { return x +; }
