using ScanGate.Contracts;

namespace ScanGate.Application;

/// <summary>Who asks: the authenticated caller and, for the audit trail, the address it called from.</summary>
public sealed record Actor(Caller Caller, string? ClientAddress = null)
{
    /// <summary>The organisation a list is limited to: the caller's, or none for a platform administrator.</summary>
    public string? OrgScope => Caller.PlatformAdmin ? null : Caller.OrgId;
}

/// <summary>Why the application refused: a surface turns it into a status code in its own error shape.</summary>
/// <remarks><see cref="More"/> holds members a client can act on (the choices it has).</remarks>
public sealed record AppError(CommandError Kind, string Detail, string? Field = null, IReadOnlyDictionary<string, object?>? More = null)
{
    public static AppError Invalid(string field, string detail, IReadOnlyDictionary<string, object?>? more = null) => new(CommandError.Invalid, detail, field, more);
    public static AppError NotFound(string detail) => new(CommandError.NotFound, detail);
    public static AppError Conflict(string detail) => new(CommandError.Conflict, detail);
    public static AppError Forbidden(string detail) => new(CommandError.Forbidden, detail);
    public static AppError Of(CommandResult r) => new(r.Error, r.Message ?? r.Error.ToString());
    public static AppError Of(RequestValidationException ex) => Invalid(ex.Field, ex.Message);
}

/// <summary>A value, or the reason there is none.</summary>
public readonly record struct Outcome<T>(T? Value, AppError? Error)
{
    public bool Ok => Error is null;
    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(AppError error) => new(default, error);
}
