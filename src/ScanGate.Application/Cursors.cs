using System.Text.RegularExpressions;

namespace ScanGate.Application;

/// <summary>Paging cursors this API issued: opaque, short, URL-safe.</summary>
public static partial class Cursors
{
    public static bool IsWellFormed(string cursor) => CursorText().IsMatch(cursor);

    public static readonly AppError Refused = AppError.Invalid("cursor", "cursor is not one this API issued");

    /// <summary>Reads a page after checking its size and cursor; a cursor the store cannot follow is the client's mistake.</summary>
    public static async Task<Outcome<T>> ReadPageAsync<T>(int limit, int maxLimit, string? cursor, Func<Task<T>> read)
    {
        if (limit < 1 || limit > maxLimit) return AppError.Invalid("limit", $"limit must be between 1 and {maxLimit}");
        if (cursor is not null && !IsWellFormed(cursor)) return Refused;
        try { return await read(); }
        catch (ArgumentException ex) when (ex.ParamName == "cursor") { return Refused; }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,200}$")]
    private static partial Regex CursorText();
}
