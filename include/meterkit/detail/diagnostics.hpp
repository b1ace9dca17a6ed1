// SPDX-License-Identifier: MIT
#pragma once
/// \file
/// Implementation detail: conditions for the `static_assert`s that refuse a policy, so that a
/// refusal is one message (STYLE.md "Policies") without the compiler's account of every
/// unsatisfied constraint after it.

namespace meterkit::detail {

/// `B` itself. `static_assert(requirement_met<some_concept<T>>, "...")` names the requirement in
/// the compiler's message but, unlike a bare concept, is not explained constraint by constraint.
template <bool B>
inline constexpr bool requirement_met = B;

/// False for all arguments: the condition of a `static_assert` that fires when the branch of
/// `if constexpr` that holds it is taken.
template <class...>
inline constexpr bool refused = false;

}  // namespace meterkit::detail
