using System.Security.Cryptography;
using System.Text;
using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Application;

/// <summary>Key material: "sgk_" and 32 random bytes in base64url. Only the SHA-256 is ever kept.</summary>
public static class ApiKeys
{
    public const string Prefix = "sgk_";
    public const int SecretBytes = 32;

    public static string NewKey()
    {
        Span<byte> bytes = stackalloc byte[SecretBytes];
        RandomNumberGenerator.Fill(bytes);
        return Prefix + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool LooksLikeKey(string? key) =>
        key is { Length: >= 47 and <= 200 } && key.StartsWith(Prefix, StringComparison.Ordinal)
        && key.AsSpan(Prefix.Length).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string DisplayPrefix(string key) => key[..(Prefix.Length + 6)];

    /// <summary>Creates a key for a member and registers it with its organisation; returns the plaintext (once).</summary>
    public static async Task<(string Plaintext, ApiKeyRecord Record)> CreateAsync(IGrainFactory grains, string orgId, string memberId,
        string name, IReadOnlyList<string> scopes, int expiresInDays, string? environment, int rateLimitPerMinute, bool platformAdmin,
        string? createdBy, string? plaintext = null)
    {
        var key = string.IsNullOrEmpty(plaintext) ? NewKey() : plaintext;
        var now = DateTimeOffset.UtcNow;
        var record = new ApiKeyRecord
        {
            KeyId = "key_" + SortableId.New(), OrgId = orgId, MemberId = memberId, Name = name, Scopes = scopes,
            Environment = environment, CreatedAt = now, ExpiresAt = now.AddDays(expiresInDays), RateLimitPerMinute = rateLimitPerMinute,
            PlatformAdmin = platformAdmin, Prefix = DisplayPrefix(key), CreatedBy = createdBy,
        };
        var hash = Hash(key);
        if (!await grains.GetGrain<IApiKeyGrain>(hash).Create(record))
            throw new InvalidOperationException("an API key with this secret already exists");
        await grains.GetGrain<IOrganizationGrain>(orgId).RegisterKey(record.KeyId, hash, memberId);
        return (key, record);
    }
}
