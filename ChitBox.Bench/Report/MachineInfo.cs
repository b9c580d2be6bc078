using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChitBox.Bench.Report;

/// <summary>What the numbers were measured on, and from which commit.</summary>
public sealed record MachineInfo(
    int Cores, string CpuModel, double MemoryGb, string Kernel, string Runtime, string GitCommit, string Configuration)
{
    public static MachineInfo Describe(string repositoryRoot, string configuration) => new(
        Environment.ProcessorCount,
        ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Math.Round((ReadKilobytes("/proc/meminfo", "MemTotal") ?? 0) / 1024.0 / 1024.0, 1),
        ReadText("/proc/sys/kernel/osrelease") ?? RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        ReadGitCommit(repositoryRoot),
        configuration);

    public override string ToString() =>
        $"{Cores} cores, {CpuModel}, {MemoryGb} GB RAM, Linux {Kernel}, {Runtime}, {Configuration} build, commit {GitCommit}";

    private static string? ReadField(string file, string name)
    {
        try
        {
            return File.ReadLines(file)
                .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Contains(':'))
                .Select(line => line[(line.IndexOf(':') + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static long? ReadKilobytes(string file, string name) =>
        ReadField(file, name)?.Split(' ')[0] is { } text && long.TryParse(text, out var value) ? value : null;

    private static string? ReadText(string file)
    {
        try
        {
            return File.ReadAllText(file).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>HEAD's short hash, with "+dirty" when the work tree has changes.</summary>
    private static string ReadGitCommit(string repositoryRoot)
    {
        var head = Git(repositoryRoot, "rev-parse", "--short=12", "HEAD");
        if (head is null)
        {
            return "unknown";
        }

        return string.IsNullOrWhiteSpace(Git(repositoryRoot, "status", "--porcelain", "--untracked-files=no")) ? head : head + "+dirty";
    }

    private static string? Git(string directory, params string[] arguments)
    {
        try
        {
            var startInfo = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }

            using var process = Process.Start(startInfo)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }
}
