// Imported by 416_import_c_call_misuse.bt.
int add(int a, int b) { return a + b; }
long first_byte(const char *s) { return s[0]; }
