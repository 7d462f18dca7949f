using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScanGate.Contracts;

namespace ScanGate.Api.Auth;

/// <summary>
/// Authenticates "X-API-Key: &lt;key&gt;" or "Authorization: Bearer &lt;key&gt;" against the key's grain. Every
/// failure gets one generic 401, so a caller learns nothing about which keys exist; a key over its rate
/// limit gets 429 with Retry-After.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, KeyCheck keys, AuthCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Scheme = "ApiKey";
    public const string GenericFailure = "a valid API key is required: send it as X-API-Key or Authorization: Bearer; missing, unknown, expired and revoked keys are all refused alike";
    private const string RetryAfterItem = "scangate.retry-after";
    private const string CallerItem = "scangate.caller";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = ReadKey(Request);
        if (key is null) return AuthenticateResult.NoResult();
        if (!ApiKeys.LooksLikeKey(key)) return AuthenticateResult.Fail("malformed key");
        var hash = ApiKeys.Hash(key);
        var (caller, refusal) = await keys.CheckAsync(hash);
        if (caller is null) return refusal!.Outcome == AuthOutcome.RateLimited ? RateLimited(refusal.RetryAfterSeconds) : AuthenticateResult.Fail("invalid key");
        if (cache.TryAcquire(hash) is { } retryAfter) return RateLimited(retryAfter);

        Context.Items[CallerItem] = caller;
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, caller.MemberId),
            new Claim("key_id", caller.KeyId),
            new Claim("org_id", caller.OrgId),
        ], Scheme);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme));
    }

    private AuthenticateResult RateLimited(int retryAfterSeconds)
    {
        Context.Items[RetryAfterItem] = retryAfterSeconds;
        return AuthenticateResult.Fail("rate limited");
    }

    private static string? ReadKey(HttpRequest request)
    {
        // A compatibility surface takes the key in the header its platform documents.
        var surface = Compat.CompatSurface.Of(request.HttpContext);
        foreach (var name in surface?.KeyHeaders ?? ["X-API-Key"])
            if (request.Headers.TryGetValue(name, out var header) && header.Count > 0) return header[0]?.Trim();
        if (surface is { AcceptsBearer: false }) return null;
        var auth = request.Headers.Authorization.FirstOrDefault();
        return auth is not null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim() : null;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var surface = Compat.CompatSurface.Of(Context);
        if (Context.Items.TryGetValue(RetryAfterItem, out var retry) && retry is int seconds)
        {
            ScanGateTelemetry.RateLimitRefusals.Add(1, new KeyValuePair<string, object?>("limit", "api_key"));
            Response.Headers.RetryAfter = seconds.ToString();
            var limited = $"this API key's per-minute rate limit is used up; retry after {seconds} s";
            return surface is null
                ? Problems.Write(Context, StatusCodes.Status429TooManyRequests, "Rate limit exceeded", limited)
                : Compat.CompatSurface.WriteAsync(Context, StatusCodes.Status429TooManyRequests, "Rate limit exceeded", limited);
        }
        ScanGateTelemetry.AuthFailures.Add(1, new KeyValuePair<string, object?>("reason", ReadKey(Request) is null ? "missing" : "invalid"));
        if (surface is null)
        {
            Response.Headers.WWWAuthenticate = "Bearer";
            return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized", GenericFailure);
        }
        if (surface.AcceptsBearer) Response.Headers.WWWAuthenticate = "Bearer";
        return Compat.CompatSurface.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            $"a valid API key is required in {string.Join(" or ", surface.KeyHeaders.Concat(surface.AcceptsBearer ? ["Authorization: Bearer"] : []))}");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var reason = Context.Items.TryGetValue(ScopeAuthorizationHandler.ReasonItem, out var r) ? r as string ?? "not allowed" : "not allowed";
        return Compat.CompatSurface.Of(Context) is { } surface
            ? Compat.CompatSurface.WriteAsync(Context, surface.MissingScopeStatus, surface.MissingScopeStatus == 401 ? "Unauthorized" : "Forbidden", reason)
            : Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", reason);
    }

    /// <summary>A request authenticated by other means (an inbound webhook, by its signature) acts as <paramref name="caller"/>.</summary>
    public static void ActAs(HttpContext context, Caller caller) => context.Items[CallerItem] = caller;

    /// <summary>The authenticated caller of this request.</summary>
    public static Caller CallerOf(HttpContext context) =>
        context.Items.TryGetValue(CallerItem, out var c) && c is Caller caller ? caller
            : throw new InvalidOperationException("the endpoint requires authorization but no caller was authenticated");
}
