using System.Net;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;

namespace ScanGate.Tests.Scanners;

public class SecurityHeadersTests
{
    private static List<Finding> Judge(string url, Action<HttpResponseMessage> headers)
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("x") };
        headers(response);
        return SecurityHeadersScanner.Judge(new Uri(url), response, new FindingContext("scn_X", "security_headers")).ToList();
    }

    [Fact]
    public void A_bare_https_response_misses_every_header()
    {
        var rules = Judge("https://example.test/", _ => { }).Select(f => f.RuleId).ToHashSet();
        Assert.Superset(new HashSet<string?> { "missing-hsts", "missing-csp", "missing-frame-protection", "missing-nosniff", "weak-referrer-policy", "missing-permissions-policy" }, rules);
    }

    [Fact]
    public void A_well_configured_response_has_no_findings()
    {
        var findings = Judge("https://example.test/", r =>
        {
            r.Headers.Add("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
            r.Headers.Add("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
            r.Headers.Add("X-Content-Type-Options", "nosniff");
            r.Headers.Add("Referrer-Policy", "no-referrer");
            r.Headers.Add("Permissions-Policy", "camera=()");
            r.Headers.Add("Set-Cookie", "sid=1; Secure; HttpOnly; SameSite=Lax");
        });
        Assert.Empty(findings);
    }

    [Fact]
    public void Weak_values_are_findings_too()
    {
        var findings = Judge("https://example.test/", r =>
        {
            r.Headers.Add("Strict-Transport-Security", "max-age=600");
            r.Headers.Add("Content-Security-Policy", "default-src 'self' 'unsafe-inline'");
            r.Headers.Add("X-Powered-By", "PHP/8.1");
            r.Headers.Add("Set-Cookie", "sid=1; Path=/");
        });
        var rules = findings.Select(f => f.RuleId).ToList();
        Assert.Contains("weak-hsts", rules);
        Assert.Contains("weak-csp", rules);
        Assert.Contains("x-powered-by", rules);
        Assert.Equal("Cookie sid lacks Secure, HttpOnly, SameSite", findings.Single(f => f.RuleId == "weak-cookie:sid").Title);
    }

    [Fact]
    public void Hsts_is_not_asked_of_plain_http()
    {
        Assert.DoesNotContain(Judge("http://example.test/", _ => { }), f => f.RuleId == "missing-hsts");
    }
}
