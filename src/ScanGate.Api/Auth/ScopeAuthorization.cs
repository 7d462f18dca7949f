using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using ScanGate.Contracts;

namespace ScanGate.Api.Auth;

/// <summary>An endpoint needs one scope: the key must carry it and the member's role must allow it.</summary>
public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

/// <summary>An endpoint only a platform administrator may call.</summary>
public sealed record PlatformAdminRequirement : IAuthorizationRequirement;

public sealed class ScopeAuthorizationHandler(IHttpContextAccessor http) : IAuthorizationHandler
{
    public const string ReasonItem = "scangate.forbidden";

    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        if (http.HttpContext is not { } ctx || !ctx.Items.ContainsKey("scangate.caller")) return Task.CompletedTask;
        var caller = ApiKeyAuthenticationHandler.CallerOf(ctx);
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            switch (requirement)
            {
                case ScopeRequirement s when caller.Can(s.Scope):
                case PlatformAdminRequirement when caller.PlatformAdmin:
                    context.Succeed(requirement);
                    break;
                case ScopeRequirement s:
                    ctx.Items[ReasonItem] = caller.Scopes.Contains(s.Scope)
                        ? $"this key's member has the role {caller.Role.Word()}, which does not allow {s.Scope}"
                        : $"this API key lacks the scope {s.Scope}";
                    break;
                case PlatformAdminRequirement:
                    ctx.Items[ReasonItem] = "only a platform administrator may do this";
                    break;
            }
        }
        return Task.CompletedTask;
    }
}

public static class Policies
{
    public const string PlatformAdmin = "platform-admin";
    public static string For(string scope) => "scope:" + scope;

    public static AuthorizationBuilder AddScanGatePolicies(this AuthorizationBuilder builder)
    {
        foreach (var scope in Scopes.All)
            builder.AddPolicy(For(scope), p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.Scheme).RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope)));
        builder.AddPolicy(PlatformAdmin, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.Scheme).RequireAuthenticatedUser().AddRequirements(new PlatformAdminRequirement()));
        return builder;
    }

    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : Microsoft.AspNetCore.Builder.IEndpointConventionBuilder =>
        Microsoft.AspNetCore.Builder.AuthorizationEndpointConventionBuilderExtensions.RequireAuthorization(builder, For(scope));
}
