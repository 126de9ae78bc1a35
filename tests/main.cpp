// Catch2 entry point for the nash test suite.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
