// Provides the one libstdc++ symbol of GCC 13+ that TorchSharp 0.107's libLibTorchSharp.so asks for and Debian 12's
// libstdc++ (GCC 12) lacks: std::ios_base_library_init() at version GLIBCXX_3.4.32.
//
// GCC 13's <iostream> no longer puts a static std::ios_base::Init object in every translation unit; it references
// std::ios_base_library_init() instead, so that linking pulls in the libstdc++ object that constructs cout and friends.
// With GCC 12's libstdc++ that construction happens through an ios_base::Init object, so this library holds one: it is
// loaded as a dependency of libLibTorchSharp.so, and therefore initialised, before libLibTorchSharp.so's own constructors.
#include <ios>

namespace
{
const std::ios_base::Init streams;
}

// The mangled name of std::ios_base_library_init(), defined without declaring anything in namespace std.
extern "C" __attribute__((visibility("default"))) void netgen_ios_base_library_init() __asm__("_ZSt21ios_base_library_initv");

extern "C" void netgen_ios_base_library_init()
{
    static const std::ios_base::Init init;
}
