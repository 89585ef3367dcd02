// Imported by 422_import_unsupported.bt: a valid BPF C import next to refused ones.
int helper(int x) { return x + 1; }
