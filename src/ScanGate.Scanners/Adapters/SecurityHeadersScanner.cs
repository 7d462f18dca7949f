using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>Missing or weak HTTP security headers of one URL. Runs in process: one GET, no container.</summary>
public sealed class SecurityHeadersScanner : IInProcessScanner
{
    public string Name => "security_headers";
    public string Description => "HTTP security headers (HSTS, CSP, framing, content sniffing, referrer, cookies).";
    public TargetKind TargetKind => TargetKind.Url;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("security_headers"), new("lightweight_comprehensive")];

    private const int MaxRedirects = 5;
    private const long OneHundredEightyDays = 15_552_000;

    public async IAsyncEnumerable<Finding> ScanAsync(RunSpec spec, FindingContext context, HttpClient http,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var url = new Uri(spec.Target);
        HttpResponseMessage response;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.UserAgent.ParseAdd("ScanGate-security-headers/1.0");
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } next && hop < MaxRedirects)
            {
                var nextUrl = next.IsAbsoluteUri ? next : new Uri(url, next);
                response.Dispose();
                if (nextUrl.Scheme is not ("http" or "https")) break;
                url = nextUrl;
                continue;
            }
            break;
        }
        using (response)
        {
            foreach (var f in Judge(url, response, context)) yield return f;
        }
    }

    /// <summary>Judges one response's headers; public so it can be tested on crafted responses.</summary>
    public static IEnumerable<Finding> Judge(Uri url, HttpResponseMessage response, FindingContext context)
    {
        var location = new FindingLocation { Url = url.GetLeftPart(UriPartial.Path) };
        string? Header(string name) =>
            response.Headers.TryGetValues(name, out var v) ? string.Join(", ", v)
            : response.Content.Headers.TryGetValues(name, out var c) ? string.Join(", ", c) : null;
        Finding F(Severity s, string rule, string title, string fix) =>
            context.Create("header", s, title, rule, location, remediation: fix,
                references: ["https://owasp.org/www-project-secure-headers/"]);

        if (url.Scheme == "https")
        {
            var hsts = Header("Strict-Transport-Security");
            if (hsts is null)
                yield return F(Severity.Medium, "missing-hsts", "Strict-Transport-Security header missing",
                    "Send Strict-Transport-Security: max-age=31536000; includeSubDomains.");
            else if (MaxAge(hsts) is not { } age || age < OneHundredEightyDays)
                yield return F(Severity.Low, "weak-hsts", $"Strict-Transport-Security max-age is short ({hsts})",
                    "Use a max-age of at least 15552000 seconds (180 days).");
        }

        var csp = Header("Content-Security-Policy");
        if (csp is null)
            yield return F(Severity.Medium, "missing-csp", "Content-Security-Policy header missing",
                "Send a Content-Security-Policy that lists the sources the page needs.");
        else
        {
            if (csp.Contains("'unsafe-inline'", StringComparison.OrdinalIgnoreCase) || csp.Contains("'unsafe-eval'", StringComparison.OrdinalIgnoreCase))
                yield return F(Severity.Low, "weak-csp", "Content-Security-Policy allows unsafe-inline or unsafe-eval",
                    "Remove 'unsafe-inline' and 'unsafe-eval'; use nonces or hashes.");
        }

        var frameAncestors = csp?.Contains("frame-ancestors", StringComparison.OrdinalIgnoreCase) == true;
        var xfo = Header("X-Frame-Options");
        if (!frameAncestors && (xfo is null || !(xfo.Equals("DENY", StringComparison.OrdinalIgnoreCase) || xfo.Equals("SAMEORIGIN", StringComparison.OrdinalIgnoreCase))))
            yield return F(Severity.Medium, "missing-frame-protection", "Page can be framed by any site (clickjacking)",
                "Send X-Frame-Options: DENY or a CSP frame-ancestors directive.");

        if (!string.Equals(Header("X-Content-Type-Options")?.Trim(), "nosniff", StringComparison.OrdinalIgnoreCase))
            yield return F(Severity.Low, "missing-nosniff", "X-Content-Type-Options: nosniff missing",
                "Send X-Content-Type-Options: nosniff.");

        var referrer = Header("Referrer-Policy");
        if (referrer is null || referrer.Contains("unsafe-url", StringComparison.OrdinalIgnoreCase))
            yield return F(Severity.Low, "weak-referrer-policy", referrer is null ? "Referrer-Policy header missing" : "Referrer-Policy leaks full URLs",
                "Send Referrer-Policy: strict-origin-when-cross-origin or stricter.");

        if (Header("Permissions-Policy") is null)
            yield return F(Severity.Info, "missing-permissions-policy", "Permissions-Policy header missing",
                "Send a Permissions-Policy that turns off features the page does not use.");

        if (Header("X-Powered-By") is { } powered)
            yield return F(Severity.Low, "x-powered-by", $"X-Powered-By discloses the platform ({powered})", "Remove the X-Powered-By header.");
        if (Header("Server") is { } server && server.Any(char.IsDigit))
            yield return F(Severity.Info, "server-version", $"Server header discloses a version ({server})", "Remove the version from the Server header.");

        if (response.Headers.TryGetValues("Set-Cookie", out var cookies))
        {
            foreach (var cookie in cookies)
            {
                var name = cookie.Split('=', 2)[0].Trim();
                var attrs = cookie.Split(';').Skip(1).Select(a => a.Trim().Split('=')[0].ToLowerInvariant()).ToHashSet();
                var missing = new List<string>();
                if (url.Scheme == "https" && !attrs.Contains("secure")) missing.Add("Secure");
                if (!attrs.Contains("httponly")) missing.Add("HttpOnly");
                if (!attrs.Contains("samesite")) missing.Add("SameSite");
                if (missing.Count > 0)
                    yield return context.Create("header", Severity.Low, $"Cookie {name} lacks {string.Join(", ", missing)}",
                        "weak-cookie:" + name, location, remediation: $"Set {string.Join(", ", missing)} on the cookie.");
            }
        }
    }

    private static long? MaxAge(string hsts)
    {
        foreach (var part in hsts.Split(';'))
        {
            var kv = part.Trim().Split('=', 2);
            if (kv.Length == 2 && kv[0].Trim().Equals("max-age", StringComparison.OrdinalIgnoreCase) && long.TryParse(kv[1].Trim('"', ' '), out var v))
                return v;
        }
        return null;
    }
}
