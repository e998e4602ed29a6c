/* Test helper: holds an exclusive LockFileEx lock on a file (as a running Kontor holds
 * <profile>\kontor.lock) until the file named by the second argument exists. Prints "locked"
 * once the lock is held. Never shipped. */
#include <windows.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv)
{
    if (argc != 3) {
        fwprintf(stderr, L"usage: lockhold LOCKFILE STOPFILE\n");
        return 2;
    }
    HANDLE h = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                           NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        fwprintf(stderr, L"lockhold: cannot open the file (%lu)\n", GetLastError());
        return 1;
    }
    OVERLAPPED ov = {0};
    if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &ov)) {
        fwprintf(stderr, L"lockhold: cannot lock (%lu)\n", GetLastError());
        return 1;
    }
    printf("locked\n");
    fflush(stdout);
    for (int i = 0; i < 600 && GetFileAttributesW(argv[2]) == INVALID_FILE_ATTRIBUTES; i++)
        Sleep(100);
    CloseHandle(h);
    return 0;
}
