namespace Digest.Papers;

/// <summary>An item that was not stored, and why: the rule it broke and what about it.</summary>
/// <param name="Item">The item's id when it has one, otherwise where it was in the feed.</param>
/// <param name="Rule">A short, stable name (<c>title.missing</c>, <c>text.control-character</c>, …) to search logs by.</param>
public sealed record Rejection(string Item, string Rule, string Detail);
