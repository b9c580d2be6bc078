namespace ChitBox.Tests.AppHost;

/// <summary>Process relations read from /proc.</summary>
public static class ProcessTree
{
    public static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var child) && TryReadStat(child) is { } stat)
            {
                parents[child] = stat.Parent;
            }
        }

        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (child, childParent) in parents)
            {
                if (childParent == parent)
                {
                    found.Add(child);
                    frontier.Enqueue(child);
                }
            }
        }

        return found;
    }

    /// <summary>Running (not gone, not a zombie).</summary>
    public static bool IsAlive(int pid) => TryReadStat(pid) is { State: not 'Z' };

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static (char State, int Parent)? TryReadStat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1]));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
