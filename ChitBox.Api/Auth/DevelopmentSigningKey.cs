using System.Security.Cryptography;

namespace ChitBox.Api.Auth;

/// <summary>
/// Development only: a signing key made on first start and kept in the local data folder,
/// so restarts and other instances started from the same folder accept the same tokens.
/// </summary>
public static class DevelopmentSigningKey
{
    public const string FileName = "api-signing-key";

    /// <summary>The data folder: <c>CHITBOX_DATA_DIR</c> when set, else <c>.chitbox</c> under the current directory.</summary>
    public static string DataDirectory(string? configured) =>
        string.IsNullOrWhiteSpace(configured) ? Path.Combine(Directory.GetCurrentDirectory(), ".chitbox") : configured;

    public static string LoadOrCreate(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (TryRead(path) is { } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(directory);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, key);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            // No overwrite: when two instances start at once, the first key written wins.
            File.Move(temporary, path, overwrite: false);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return TryRead(path) ?? throw new InvalidOperationException($"The signing key file {path} is empty.");
        }
    }

    private static string? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path).Trim();
        return text.Length > 0 ? text : null;
    }
}
