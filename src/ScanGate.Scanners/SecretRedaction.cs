using System.Text.RegularExpressions;

namespace ScanGate.Scanners;

/// <summary>
/// Keeps secrets out of what is stored about them. Tools are asked to mask what they print (secretlint's
/// <c>--maskSecrets</c>, gitleaks' <c>--redact</c>); this is the second line: a text about a secret is kept with any
/// private-key block and any long token-like word (20 or more letters, digits and <c>+/=_-</c>, not all lower-case
/// letters) replaced by <see cref="Mask"/>, and the tools' own long masks shortened to it.
/// </summary>
public static partial class SecretRedaction
{
    public const string Mask = "****";

    public static string Redact(string text)
    {
        var redacted = PrivateKeyBlock().Replace(text, Mask);
        redacted = TokenLike().Replace(redacted, m => IsWord(m.Value) ? m.Value : Mask);
        return LongMask().Replace(redacted, Mask);
    }

    // A path or a plain word ("configuration", "deploy/settings/production") is not a secret.
    private static bool IsWord(string token) => token.All(c => c is (>= 'a' and <= 'z') or '/' or '-' or '_' or '.');

    [GeneratedRegex(@"-----BEGIN[A-Z ]*PRIVATE KEY( BLOCK)?-----.*?(-----END[A-Z ]*PRIVATE KEY( BLOCK)?-----|$)", RegexOptions.Singleline)]
    private static partial Regex PrivateKeyBlock();

    [GeneratedRegex(@"[A-Za-z0-9+/=_\-]{20,}")]
    private static partial Regex TokenLike();

    [GeneratedRegex(@"\*{4,}")]
    private static partial Regex LongMask();
}
