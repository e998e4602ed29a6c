/* Test-only stand-in for Windows' bcryptprimitives.dll, which wine 8 lacks. Rust's standard
 * library gets its random numbers from ProcessPrng in that DLL (Windows 10 and later); this one
 * forwards to BCryptGenRandom, which wine has. Placed in the wine prefix's system32 by
 * packaging/windows/test-msi; never shipped. */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
