using System.Buffers.Binary;
using Microsoft.AspNetCore.WebUtilities;

namespace ChitBox.Api.Mailboxes;

/// <summary>
/// The opaque keyset cursor of a folder listing: the (createdAt, id) of the last
/// message served, base64url-encoded. Clients must not look inside.
/// </summary>
public readonly record struct PageCursor(DateTimeOffset CreatedAt, Guid Id)
{
    private const int Length = sizeof(long) + 16;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, CreatedAt.UtcTicks);
        Id.TryWriteBytes(bytes[sizeof(long)..], bigEndian: true, out _);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static bool TryDecode(string text, out PageCursor cursor)
    {
        cursor = default;
        if (text.Length is 0 or > 64)
        {
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = WebEncoders.Base64UrlDecode(text);
        }
        catch (FormatException)
        {
            return false;
        }

        if (bytes.Length != Length)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new PageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(bytes.AsSpan(sizeof(long)), bigEndian: true));
        return true;
    }
}
