// Imported by h5_import_unsupported.bt (BPF C imports are refused).
int helper(int x) { return x + 1; }
