/* Kernel-matrix self-test stand-in: exit status plumbing (expects rc=3). */
#include <stdio.h>
int main(void) { printf("exiting with 3\n"); return 3; }
