using System.Security.Cryptography;
using System.Text;
using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Application;

/// <summary>
/// How a key looks: a prefix and a secret of <see cref="SecretLength"/> characters of <see cref="Alphabet"/>. ScanGate's
/// own keys are "sgk_" and 32 random bytes in base64url; the compatibility surfaces hand out keys in their platforms'
/// shapes so that secret scanners and people that know those prefixes keep recognising them. Whatever the format, a key
/// is one ScanGate key: only its SHA-256 is kept, and its scopes say what it may do.
/// </summary>
public sealed record KeyFormat(string Name, string Prefix, string Alphabet, int SecretLength)
{
    private const string Base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string LowerAlphanumeric = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>ScanGate's own: 256 bits.</summary>
    public static readonly KeyFormat Native = new("native", "sgk_", Base64Url, 43);
    /// <summary>Offload's keys "begin with the prefix osk_".</summary>
    public static readonly KeyFormat Offload = new("offload", "osk_", Alphanumeric, 43);
    /// <summary>HarborGuard's keys read "hg_live_…".</summary>
    public static readonly KeyFormat Harborguard = new("harborguard", "hg_live_", LowerAlphanumeric, 40);
    /// <summary>Aikido's document names no shape for its CI token; ScanGate marks it AIK_CI_ so it is recognisable.</summary>
    public static readonly KeyFormat Aikido = new("aikido", "AIK_CI_", Alphanumeric, 64);
    /// <summary>Pepper's keys are "ppr_" and 24 characters ("ppr_xxxxxxxxxxxxxxxxxxxxxxxx"): about 143 bits.</summary>
    public static readonly KeyFormat Pepper = new("pepper", "ppr_", Alphanumeric, 24);

    public static readonly IReadOnlyList<KeyFormat> All = [Native, Offload, Harborguard, Aikido, Pepper];

    public static KeyFormat? Named(string? name) => All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A new key of this format from a cryptographic random source, without modulo bias.</summary>
    public string NewKey() => Prefix + RandomNumberGenerator.GetString(Alphabet, SecretLength);

    /// <summary>Whether <paramref name="key"/> has this format's prefix and shape (its secret may be longer, never shorter:
    /// keys given to the bootstrap may carry more).</summary>
    public bool Matches(string key) =>
        key.Length >= Prefix.Length + SecretLength && key.Length <= 200 && key.StartsWith(Prefix, StringComparison.Ordinal)
        && key.AsSpan(Prefix.Length).IndexOfAnyExcept(Alphabet) < 0;
}

/// <summary>Key material: only the SHA-256 of a key is ever kept.</summary>
public static class ApiKeys
{
    public const string Prefix = "sgk_";

    public static string NewKey() => KeyFormat.Native.NewKey();

    /// <summary>A key in any format ScanGate hands out; everything else is refused before a grain is asked.</summary>
    public static bool LooksLikeKey(string? key) => key is not null && KeyFormat.All.Any(f => f.Matches(key));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The first characters of the key, for people to tell keys apart: its prefix and six characters.</summary>
    public static string DisplayPrefix(string key)
    {
        var prefix = KeyFormat.All.FirstOrDefault(f => key.StartsWith(f.Prefix, StringComparison.Ordinal))?.Prefix.Length ?? Prefix.Length;
        return key[..Math.Min(key.Length, prefix + 6)];
    }

    /// <summary>Creates a key for a member and registers it with its organisation; returns the plaintext (once).</summary>
    public static async Task<(string Plaintext, ApiKeyRecord Record)> CreateAsync(IGrainFactory grains, string orgId, string memberId,
        string name, IReadOnlyList<string> scopes, int expiresInDays, string? environment, int rateLimitPerMinute, bool platformAdmin,
        string? createdBy, string? plaintext = null, KeyFormat? format = null, DateTimeOffset? expiresAt = null)
    {
        var key = string.IsNullOrEmpty(plaintext) ? (format ?? KeyFormat.Native).NewKey() : plaintext;
        var now = DateTimeOffset.UtcNow;
        var record = new ApiKeyRecord
        {
            KeyId = "key_" + SortableId.New(), OrgId = orgId, MemberId = memberId, Name = name, Scopes = scopes,
            Environment = environment, CreatedAt = now, ExpiresAt = expiresAt ?? now.AddDays(expiresInDays), RateLimitPerMinute = rateLimitPerMinute,
            PlatformAdmin = platformAdmin, Prefix = DisplayPrefix(key), CreatedBy = createdBy,
        };
        var hash = Hash(key);
        if (!await grains.GetGrain<IApiKeyGrain>(hash).Create(record))
            throw new InvalidOperationException("an API key with this secret already exists");
        await grains.GetGrain<IOrganizationGrain>(orgId).RegisterKey(record.KeyId, hash, memberId);
        return (key, record);
    }
}
