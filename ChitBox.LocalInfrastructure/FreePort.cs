using System.Net;
using System.Net.Sockets;

namespace ChitBox.LocalInfrastructure;

public static class FreePort
{
    /// <summary>A loopback TCP port nothing listens on right now.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Fails with a message naming <paramref name="fix"/> when the loopback port is taken.</summary>
    public static void EnsureFree(int port, string fix)
    {
        if (IsInUse(port))
        {
            throw new LocalInfrastructureException($"Port {port} is already in use. Stop what uses it, or {fix}.");
        }
    }

    /// <summary>Whether something already listens on the loopback port.</summary>
    public static bool IsInUse(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
