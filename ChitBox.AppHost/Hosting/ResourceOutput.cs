namespace ChitBox.AppHost.Hosting;

/// <summary>Writes every resource's output with its name as a prefix, one whole line at a time.</summary>
public static class ResourceOutput
{
    private static readonly Lock Gate = new();

    public static Action<string> For(string resourceName) => line => Write(resourceName, line);

    public static void Write(string resourceName, string line)
    {
        lock (Gate)
        {
            Console.Out.WriteLine($"[{resourceName}] {line}");
        }
    }

    /// <summary>The AppHost's own announcements: one line per resource once it is healthy.</summary>
    public static void Announce(string line)
    {
        lock (Gate)
        {
            Console.Out.WriteLine(line);
        }
    }
}
