using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScanGate.Api.Auth;
using ScanGate.Application;
using ScanGate.Contracts;

namespace ScanGate.WebConsole.Auth;

/// <summary>
/// Console sessions: an API key exchanged once for a random session id that the cookie carries. The session grain
/// holds the key's hash and the idle expiry; every request and every console action resolves the key again through
/// <see cref="KeyCheck"/>, so a session can do exactly what its key can, and stops when the key is revoked or expires.
/// </summary>
public sealed class ConsoleSessions(IGrainFactory grains, KeyCheck keys, IOptions<ConsoleOptions> options)
{
    public const string CookieName = "scangate_session";
    public const string SessionClaim = "console_session";
    private const string Prefix = "ses_";

    /// <summary>Opens a session for a key; null when the key is not one that authenticates now.</summary>
    public async Task<string?> OpenAsync(string key)
    {
        if (!ApiKeys.LooksLikeKey(key)) return null;
        var hash = ApiKeys.Hash(key);
        var (caller, _) = await keys.CheckAsync(hash);
        if (caller is null) return null;
        var id = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        await grains.GetGrain<IConsoleSessionGrain>(id).Open(hash, TimeSpan.FromMinutes(Math.Max(1, options.Value.SessionMinutes)));
        return id;
    }

    /// <summary>Who the session acts as right now; null when the session or its key has ended.</summary>
    public async Task<Caller?> ResolveAsync(string? sessionId)
    {
        if (!LooksLikeSessionId(sessionId)) return null;
        var hash = await grains.GetGrain<IConsoleSessionGrain>(sessionId!).Use();
        if (hash is null) return null;
        var (caller, _) = await keys.CheckAsync(hash);
        return caller;
    }

    public Task EndAsync(string? sessionId) =>
        LooksLikeSessionId(sessionId) ? grains.GetGrain<IConsoleSessionGrain>(sessionId!).End() : Task.CompletedTask;

    public static void WriteCookie(HttpContext http, string sessionId) => http.Response.Cookies.Append(CookieName, sessionId, CookieOptionsFor(http));

    public static void DeleteCookie(HttpContext http) => http.Response.Cookies.Delete(CookieName, CookieOptionsFor(http));

    // No Expires: the browser forgets it when closed; the server enforces the idle expiry either way.
    private static CookieOptions CookieOptionsFor(HttpContext http) => new()
    {
        HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/", IsEssential = true,
    };

    private static bool LooksLikeSessionId(string? id) =>
        id is { Length: 47 } && id.StartsWith(Prefix, StringComparison.Ordinal)
        && id.AsSpan(Prefix.Length).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>Authenticates a console request by its session cookie; an unauthenticated page is sent to the sign-in page.</summary>
public sealed class ConsoleSessionHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ConsoleSessions sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Scheme = "ConsoleSession";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var id = Request.Cookies[ConsoleSessions.CookieName];
        if (string.IsNullOrEmpty(id)) return AuthenticateResult.NoResult();
        if (await sessions.ResolveAsync(id) is not { } caller) return AuthenticateResult.Fail("the session has ended");
        var identity = new ClaimsIdentity(
        [
            new Claim(ConsoleSessions.SessionClaim, id),
            new Claim(ClaimTypes.NameIdentifier, caller.MemberId),
            new Claim("org_id", caller.OrgId),
            new Claim("key_id", caller.KeyId),
        ], Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var back = Request.PathBase + Request.Path + Request.QueryString;
        Response.Redirect("/signin?returnUrl=" + Uri.EscapeDataString(back));
        return Task.CompletedTask;
    }
}
