using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using ScanGate.Api.Auth;
using ScanGate.Application;
using ScanGate.Contracts;
using ScanGate.WebConsole.Auth;
using ScanGate.WebConsole.Components;
using ScanGate.WebConsole.Data;

namespace ScanGate.WebConsole;

public static class ConsoleSetup
{
    /// <summary>The scheme that picks, per request, the API key (API paths) or the console session (everything else).</summary>
    public const string ForwardingScheme = "ScanGate";

    /// <summary>Paths that belong to the REST API and the compatibility surfaces: never the console's.</summary>
    private static readonly string[] ApiPaths = ["/api", "/compat", "/openapi", "/docs", "/healthz"];

    public static bool IsApiPath(PathString path) => ApiPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>The console's services; call after AddScanGateApi.</summary>
    public static IServiceCollection AddScanGateConsole(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ConsoleOptions>(configuration.GetSection(ConsoleOptions.Section));
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddSingleton<ConsoleSessions>();
        services.AddScoped<ConsoleData>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "scangate_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = ForwardingScheme;
                o.DefaultChallengeScheme = ForwardingScheme;
            })
            .AddPolicyScheme(ForwardingScheme, "API key or console session", o =>
                o.ForwardDefaultSelector = http => IsApiPath(http.Request.Path) ? ApiKeyAuthenticationHandler.Scheme : ConsoleSessionHandler.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ConsoleSessionHandler>(ConsoleSessionHandler.Scheme, null);
        return services;
    }

    /// <summary>The console at /: its pages, static assets, sign-in and sign-out. Call after UseScanGateApi and MapScanGateApi.</summary>
    public static WebApplication MapScanGateConsole(this WebApplication app)
    {
        // A console address with nothing behind it shows the console's own "not found" page (with its 404); the API's
        // paths keep their problem+json.
        app.UseWhen(http => !IsApiPath(http.Request.Path), console => console.Use(ShowNotFoundPageAsync));
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        var auth = app.MapGroup("/auth").ExcludeFromDescription();
        auth.MapPost("/signin", SignInAsync).AllowAnonymous();
        auth.MapPost("/signout", SignOutAsync).AllowAnonymous();
        // Downloads for the scan page's links: the browser sends the session cookie, not an API key.
        app.MapGet("/console/scans/{id}/artifacts/{type}", DownloadArtifactAsync).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private static async Task ShowNotFoundPageAsync(HttpContext http, RequestDelegate next)
    {
        await next(http);
        if (http.Response.StatusCode != StatusCodes.Status404NotFound || http.Response.HasStarted || http.GetEndpoint() is not null
            || !HttpMethods.IsGet(http.Request.Method)) return;
        var page = http.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .First(e => e.RoutePattern.RawText?.Trim('/') == "not-found");
        http.SetEndpoint(page);
        http.Request.RouteValues.Clear();
        // The page gives the response its 404 itself: Blazor renders nothing for a response that is already one.
        http.Response.StatusCode = StatusCodes.Status200OK;
        await page.RequestDelegate!(http);
    }

    private static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery antiforgery, ConsoleSessions sessions)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return AntiforgeryRefused();
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = LocalUrl(form["returnUrl"]);
        var id = await sessions.OpenAsync(form["key"].ToString().Trim());
        if (id is null)
            return TypedResults.Redirect("/signin?error=invalid" + (returnUrl == "/" ? "" : "&returnUrl=" + Uri.EscapeDataString(returnUrl)));
        ConsoleSessions.WriteCookie(http, id);
        return TypedResults.Redirect(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery, ConsoleSessions sessions)
    {
        if (!await antiforgery.IsRequestValidAsync(http)) return AntiforgeryRefused();
        await sessions.EndAsync(http.Request.Cookies[ConsoleSessions.CookieName]);
        ConsoleSessions.DeleteCookie(http);
        return TypedResults.Redirect("/signin?signedout=1");
    }

    private static async Task<IResult> DownloadArtifactAsync(string id, string type, string? name, HttpContext http, ConsoleSessions sessions, ArtifactQueries artifacts)
    {
        if (await sessions.ResolveAsync(http.User.FindFirst(ConsoleSessions.SessionClaim)?.Value) is not { } caller) return TypedResults.Unauthorized();
        if (!caller.Can(Scopes.FindingsRead))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "this session's key may not read findings and artifacts");
        if (StatusWords.ParseWord<ArtifactType>(type) is not { } artifactType) return TypedResults.NotFound();
        var opened = await artifacts.OpenAsync(caller, id, artifactType, name, http.RequestAborted);
        return opened.Ok ? ScanGate.Api.ArtifactEndpoints.Stream(http, opened.Value!) : ScanGate.Api.Problems.From(opened.Error!);
    }

    private static ProblemHttpResult AntiforgeryRefused() => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
        detail: "the form's antiforgery token is missing or invalid; reload the page and try again");

    /// <summary>Only a path on this site: never another origin ("//host", "/\host", "https://…").</summary>
    public static string LocalUrl(string? url) =>
        url is { Length: > 0 and < 2000 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";
}
