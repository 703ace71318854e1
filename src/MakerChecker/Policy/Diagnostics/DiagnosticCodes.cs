namespace MakerChecker.Policy.Diagnostics;

/// <summary>
/// The stable codes of policy diagnostics. Codes never change meaning; new problems get new codes.
/// <c>MC1xxx</c> are errors (the policy does not load), <c>MC2xxx</c> warnings. Each is documented in
/// <c>docs/policy-reference.md</c>.
/// </summary>
public static class DiagnosticCodes
{
    /// <summary>The YAML itself is malformed.</summary>
    public const string YamlSyntax = "MC1001";

    /// <summary>A key the policy language does not have (often a typo that would silently weaken a gate).</summary>
    public const string UnknownKey = "MC1002";

    /// <summary>A value of the wrong type: a list where a mapping belongs, text where a number belongs, and so on.</summary>
    public const string WrongType = "MC1003";

    /// <summary>The same key twice in one mapping.</summary>
    public const string DuplicateKey = "MC1004";

    /// <summary>A YAML anchor, alias, tag or merge key: features that can smuggle values into places a reader does not see.</summary>
    public const string AnchorOrAliasNotAllowed = "MC1005";

    /// <summary>The document is too large or too deeply nested to be a policy.</summary>
    public const string DocumentTooLarge = "MC1006";

    /// <summary>A required key is missing.</summary>
    public const string MissingKey = "MC1007";

    /// <summary>A value outside the allowed set (for example a <c>kind</c> that is not agent, human or service).</summary>
    public const string InvalidValue = "MC1008";

    /// <summary>A skill written other than <c>name@version</c>.</summary>
    public const string MalformedSkill = "MC1010";

    /// <summary>Two roles with the same name.</summary>
    public const string DuplicateRole = "MC1011";

    /// <summary>Two catalogue entries for the same skill.</summary>
    public const string DuplicateSkill = "MC1012";

    /// <summary>Two principals with the same id.</summary>
    public const string DuplicatePrincipal = "MC1013";

    /// <summary>A grant for a skill or version the catalogue does not list.</summary>
    public const string NotInCatalogue = "MC1014";

    /// <summary>One role both grants and forbids the same skill.</summary>
    public const string GrantedAndForbidden = "MC1015";

    /// <summary>One role grants the same skill version twice.</summary>
    public const string DuplicateGrant = "MC1016";

    /// <summary>A forbidden entry written with a version; <c>forbidden</c> takes a skill name and covers every version.</summary>
    public const string ForbiddenWithVersion = "MC1017";

    /// <summary>A role name referenced (by a principal, a gate, break-glass or a separation constraint) that no role declares.</summary>
    public const string UnknownRole = "MC1018";

    /// <summary>A grant of a skill named <c>makerchecker.…</c>, which is reserved (policy change requests are recorded under it).</summary>
    public const string ReservedSkill = "MC1019";

    /// <summary>A gate (or <c>policy.changes</c>) whose <c>approvers</c> is below 1.</summary>
    public const string ApproversBelowOne = "MC1020";

    /// <summary>A gate that can never be satisfied: fewer eligible approvers than it needs.</summary>
    public const string GateUnsatisfiable = "MC1021";

    /// <summary>A duration that cannot be read (write for example <c>30s</c>, <c>15m</c>, <c>72h</c>, <c>7d</c>).</summary>
    public const string InvalidDuration = "MC1022";

    /// <summary>A fraction outside (0, 1].</summary>
    public const string InvalidFraction = "MC1023";

    /// <summary>A high-risk grant without a gate that covers every invocation.</summary>
    public const string HighRiskRequiresGate = "MC1024";

    /// <summary>A limit that is negative, zero, or half-specified (<c>max_amount</c> without <c>amount_field</c> or the reverse).</summary>
    public const string InvalidLimit = "MC1025";

    /// <summary>A principal, declared in the policy or supplied at run time, that holds a role the policy does not declare.</summary>
    public const string PrincipalUnknownRole = "MC1030";

    /// <summary>An agent without an accountable <c>owner</c>.</summary>
    public const string AgentWithoutOwner = "MC1031";

    /// <summary>A principal whose role set (its own role and those of the agents it owns) breaks a separation constraint.</summary>
    public const string SeparationViolated = "MC1032";

    /// <summary>A principal given more than one role.</summary>
    public const string PrincipalRoleCount = "MC1033";

    /// <summary>A document with no policy in it.</summary>
    public const string EmptyPolicy = "MC1040";

    /// <summary>The policy file could not be read.</summary>
    public const string FileUnreadable = "MC1041";

    /// <summary>Warning: a gate lets the requester sign their own request.</summary>
    public const string RequesterMayApprove = "MC2001";

    /// <summary>Warning: a gate lets agents sign.</summary>
    public const string AgentApproversAllowed = "MC2002";

    /// <summary>Warning: a gate does not require presentation before sign-off, so dwell time cannot be measured.</summary>
    public const string PresentationNotRequired = "MC2003";

    /// <summary>Warning: an agent's owner is not a declared principal.</summary>
    public const string OwnerNotDeclared = "MC2004";

    /// <summary>Warning: a high-risk gate without <c>min_review</c>, so a one-second sign-off is accepted.</summary>
    public const string NoMinimumReview = "MC2005";

    /// <summary>
    /// Warning: the policy has no <c>policy.changes</c> section, so anyone holding the gate object can activate a
    /// replacement without approval (recorded, but not governed).
    /// </summary>
    public const string PolicyChangesUngoverned = "MC2006";
}
