// doctest entry point for bt2bin_unit_tests; test cases live beside it, one file per unit.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
