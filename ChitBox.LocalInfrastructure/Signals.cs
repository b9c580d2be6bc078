using System.Runtime.InteropServices;

namespace ChitBox.LocalInfrastructure;

/// <summary>POSIX kill(2): .NET's Process can only SIGKILL, servers deserve a graceful signal.</summary>
internal static partial class Signals
{
    public static void Send(int pid, PosixSignal signal)
    {
        var number = signal switch
        {
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGQUIT => 3,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "Unsupported signal."),
        };
        _ = Kill(pid, number);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
