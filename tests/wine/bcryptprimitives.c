/*
 * Test-only stand-in for Windows' bcryptprimitives.dll under Wine 8.0, which lacks it.
 * Rust >= 1.78 Windows programs import ProcessPrng from it for their random numbers;
 * this forwards to advapi32's RtlGenRandom (SystemFunction036), which Wine has.
 * It is placed beside the test programs only and never shipped: real Windows has the DLL.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
