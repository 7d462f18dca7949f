using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Api;

/// <summary>Organisations (created by the platform administrator) and their members (managed by the organisation's admins).</summary>
public static class OrgEndpoints
{
    public static RouteGroupBuilder MapOrgEndpoints(this RouteGroupBuilder api)
    {
        var orgs = api.MapGroup("/orgs").WithTags("organisations");
        orgs.MapPost("", CreateOrg).RequireAuthorization(Policies.PlatformAdmin)
            .WithName("createOrganisation").WithSummary("Create an organisation with its first admin").DescribesBody<OrganisationRequestDocument>().Produces<OrgView>(StatusCodes.Status201Created).ProducesProblems(400, 409, 413);
        orgs.MapGet("", ListOrgs).RequireScope(Scopes.ScansRead)
            .WithName("listOrganisations").WithSummary("List the organisations the caller sees").Produces<PageView<OrgView>>();
        orgs.MapGet("/{orgId}", GetOrg).RequireScope(Scopes.ScansRead)
            .WithName("getOrganisation").WithSummary("Get an organisation").Produces<OrgView>().ProducesProblems(404);
        orgs.MapPatch("/{orgId}", UpdateOrg).RequireAuthorization(Policies.PlatformAdmin)
            .WithName("updateOrganisation").WithSummary("Change an organisation's name or limits").DescribesBody<OrganisationUpdateDocument>().Produces<OrgView>().ProducesProblems(400, 404, 413);
        // Member management is an admin's: keys:manage is the scope only the admin role allows.
        orgs.MapGet("/{orgId}/members", ListMembers).RequireScope(Scopes.KeysManage)
            .WithName("listMembers").WithSummary("List an organisation's members").Produces<PageView<MemberView>>().ProducesProblems(404);
        orgs.MapPost("/{orgId}/members", AddMember).RequireScope(Scopes.KeysManage)
            .WithName("addMember").WithSummary("Add a member to an organisation").DescribesBody<MemberRequestDocument>().Produces<MemberView>(StatusCodes.Status201Created).ProducesProblems(400, 404, 409, 413);
        orgs.MapPatch("/{orgId}/members/{memberId}", UpdateMember).RequireScope(Scopes.KeysManage)
            .WithName("updateMember").WithSummary("Change a member's role or name").DescribesBody<MemberUpdateDocument>().Produces<MemberView>().ProducesProblems(400, 404, 409, 413);
        orgs.MapDelete("/{orgId}/members/{memberId}", RemoveMember).RequireScope(Scopes.KeysManage)
            .WithName("removeMember").WithSummary("Remove a member (their keys stop working)").Produces(StatusCodes.Status204NoContent).ProducesProblems(404, 409);
        orgs.MapGet("/{orgId}/callback-secret", async (string orgId, HttpContext http, IGrainFactory grains) =>
            http.Caller().SeesOrg(orgId) && await grains.GetGrain<IOrganizationGrain>(orgId).Get() is not null
                ? TypedResults.Ok(new { secret = await grains.GetGrain<IOrganizationGrain>(orgId).CallbackSecret(), header = "X-ScanGate-Signature", algorithm = "hmac-sha256" })
                : Problems.NotFound($"no organisation '{orgId}'")).RequireScope(Scopes.KeysManage)
            .WithName("getCallbackSecret").WithSummary("Get the secret that signs the organisation's scan callbacks").Produces<CallbackSecretDocument>().ProducesProblems(404);
        return api;
    }

    private static async Task<IResult> CreateOrg(HttpContext http, IGrainFactory grains)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "name", "monthly_scan_quota", "max_concurrent_scans", "admin_email");
        if (error is not null) return error;
        try
        {
            var name = JsonFields.RequiredString(body, "name", 200);
            var limits = new OrgLimits
            {
                MonthlyScanQuota = JsonFields.Int(body, "monthly_scan_quota", 0, 10_000_000) ?? new OrgLimits().MonthlyScanQuota,
                MaxConcurrentScans = JsonFields.Int(body, "max_concurrent_scans", 1, 10_000) ?? new OrgLimits().MaxConcurrentScans,
            };
            var adminEmail = JsonFields.String(body, "admin_email", 320);
            if (adminEmail is not null && !Emails.IsValid(adminEmail)) throw new RequestValidationException("admin_email", "admin_email must be an e-mail address");
            var id = "org_" + SortableId.New();
            var org = grains.GetGrain<IOrganizationGrain>(id);
            await org.Create(name, limits);
            Member? admin = null;
            if (adminEmail is not null) admin = (await org.AddMember(adminEmail, null, OrgRole.Admin)).Value;
            await http.AuditAsync("org.created", id, new Dictionary<string, string> { ["name"] = name }, orgId: id);
            var created = OrgView.Of((await org.Get())!);
            return TypedResults.Created($"/api/v1/orgs/{id}", new { created.Id, created.Name, created.CreatedAt, created.MonthlyScanQuota, created.MaxConcurrentScans, admin = admin is null ? null : MemberView.Of(admin) });
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    private static async Task<IResult> ListOrgs(HttpContext http, IGrainFactory grains)
    {
        var caller = http.Caller();
        var ids = caller.PlatformAdmin ? await grains.GetGrain<IPlatformGrain>(0).Orgs() : [caller.OrgId];
        var list = new List<OrgView>();
        foreach (var id in ids)
            if (await grains.GetGrain<IOrganizationGrain>(id).Get() is { } o) list.Add(OrgView.Of(o));
        return TypedResults.Ok(new PageView<OrgView>(list, null));
    }

    private static async Task<IResult> GetOrg(string orgId, HttpContext http, IGrainFactory grains) =>
        http.Caller().SeesOrg(orgId) && await grains.GetGrain<IOrganizationGrain>(orgId).Get() is { } o
            ? TypedResults.Ok(OrgView.Of(o)) : Problems.NotFound($"no organisation '{orgId}'");

    private static async Task<IResult> UpdateOrg(string orgId, HttpContext http, IGrainFactory grains)
    {
        var org = grains.GetGrain<IOrganizationGrain>(orgId);
        if (await org.Get() is not { } current) return Problems.NotFound($"no organisation '{orgId}'");
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "monthly_scan_quota", "max_concurrent_scans");
        if (error is not null) return error;
        try
        {
            var limits = new OrgLimits
            {
                MonthlyScanQuota = JsonFields.Int(body, "monthly_scan_quota", 0, 10_000_000) ?? current.Limits.MonthlyScanQuota,
                MaxConcurrentScans = JsonFields.Int(body, "max_concurrent_scans", 1, 10_000) ?? current.Limits.MaxConcurrentScans,
            };
            var updated = await org.SetLimits(limits);
            await http.AuditAsync("org.updated", orgId, new Dictionary<string, string>
            {
                ["monthly_scan_quota"] = limits.MonthlyScanQuota.ToString(), ["max_concurrent_scans"] = limits.MaxConcurrentScans.ToString(),
            }, orgId: orgId);
            return TypedResults.Ok(OrgView.Of(updated!));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    private static async Task<IResult> ListMembers(string orgId, HttpContext http, IGrainFactory grains)
    {
        if (!http.Caller().SeesOrg(orgId) || await grains.GetGrain<IOrganizationGrain>(orgId).Get() is null) return Problems.NotFound($"no organisation '{orgId}'");
        var members = await grains.GetGrain<IOrganizationGrain>(orgId).Members();
        return TypedResults.Ok(new PageView<MemberView>(members.Select(MemberView.Of).ToList(), null));
    }

    private static async Task<IResult> AddMember(string orgId, HttpContext http, IGrainFactory grains)
    {
        if (!http.Caller().SeesOrg(orgId) || await grains.GetGrain<IOrganizationGrain>(orgId).Get() is null) return Problems.NotFound($"no organisation '{orgId}'");
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "email", "name", "role");
        if (error is not null) return error;
        try
        {
            var email = JsonFields.RequiredString(body, "email", 320);
            if (!Emails.IsValid(email)) throw new RequestValidationException("email", "email must be an e-mail address");
            var role = JsonFields.Enum<OrgRole>(body, "role") ?? throw new RequestValidationException("role", "role is required: viewer, developer or admin");
            var result = await grains.GetGrain<IOrganizationGrain>(orgId).AddMember(email, JsonFields.String(body, "name", 200), role);
            if (!result.Ok) return Problems.FromCommand(result.Error, result.Message);
            await http.AuditAsync("member.added", result.Value!.MemberId, new Dictionary<string, string> { ["email"] = email, ["role"] = role.Word() }, orgId: orgId);
            return TypedResults.Created($"/api/v1/orgs/{orgId}/members/{result.Value.MemberId}", MemberView.Of(result.Value));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    private static async Task<IResult> UpdateMember(string orgId, string memberId, HttpContext http, IGrainFactory grains, AuthCache cache)
    {
        if (!http.Caller().SeesOrg(orgId) || await grains.GetGrain<IOrganizationGrain>(orgId).Get() is null) return Problems.NotFound($"no organisation '{orgId}'");
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "role");
        if (error is not null) return error;
        try
        {
            var role = JsonFields.Enum<OrgRole>(body, "role") ?? throw new RequestValidationException("role", "role is required: viewer, developer or admin");
            var result = await grains.GetGrain<IOrganizationGrain>(orgId).UpdateMember(memberId, role);
            if (!result.Ok) return Problems.FromCommand(result.Error, result.Message);
            cache.EvictMember(orgId, memberId);
            await http.AuditAsync("member.updated", memberId, new Dictionary<string, string> { ["role"] = role.Word() }, orgId: orgId);
            return TypedResults.Ok(MemberView.Of(result.Value!));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    private static async Task<IResult> RemoveMember(string orgId, string memberId, HttpContext http, IGrainFactory grains, AuthCache cache)
    {
        if (!http.Caller().SeesOrg(orgId) || await grains.GetGrain<IOrganizationGrain>(orgId).Get() is null) return Problems.NotFound($"no organisation '{orgId}'");
        var result = await grains.GetGrain<IOrganizationGrain>(orgId).RemoveMember(memberId);
        if (!result.Ok) return Problems.FromCommand(result.Error, result.Message);
        cache.EvictMember(orgId, memberId);
        await http.AuditAsync("member.removed", memberId, new Dictionary<string, string> { ["email"] = result.Value!.Email }, orgId: orgId);
        return TypedResults.NoContent();
    }
}

public static class Emails
{
    public static bool IsValid(string email) =>
        System.Net.Mail.MailAddress.TryCreate(email, out var parsed) && parsed.Address == email && email.Contains('.', StringComparison.Ordinal);
}
