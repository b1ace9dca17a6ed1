// SPDX-License-Identifier: MIT
// D30: what a run that hands its records over and takes its invoices a customer at a time must
// give: what the same run keeping everything gives.
#pragma once

#include <meterkit/billing/invoice.hpp>
#include <meterkit/billing/invoicing.hpp>
#include <meterkit/billing/plan.hpp>
#include <meterkit/billing/simulator.hpp>
#include <meterkit/core/error.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <iterator>
#include <sstream>
#include <vector>

namespace meterkit::test_handed_over {

/// D30: the invoices `sim.invoices_by_customer(until)` gives, merged by (created, subscription),
/// each customer's order kept: `sim.result(until).invoices` when the rule holds.
inline std::vector<invoice> merged_by_customer(const invoice_simulator& sim, timestamp until) {
  std::vector<invoice> out;
  sim.invoices_by_customer(until, [&](const std::vector<invoice>& mine) {
    std::vector<invoice> merged;
    std::merge(out.begin(), out.end(), mine.begin(), mine.end(), std::back_inserter(merged),
               detail::created_before);
    out = std::move(merged);
  });
  return out;
}

/// D30: a run that hands its rejections and late usage to a sink and takes its invoices a
/// customer at a time gives what `expected` (the same run, keeping everything) holds.
inline void check_handed_over(const plan& p, const std::vector<request>& requests, timestamp until,
                              const simulation_result& expected) {
  invoice_simulator sim(p);
  std::vector<rejected_operation> rejected;
  std::vector<late_usage> late;
  sim.hand_over(record_sink{[&](const rejected_operation& x) { rejected.push_back(x); },
                            [&](const late_usage& l) {
                              if (l.received_at <= until) late.push_back(l);
                            }});
  for (const auto& r : requests) sim.apply(r);
  const simulation_result rest = sim.result_without_invoices(until);
  BOOST_TEST(rest.invoices.empty());
  BOOST_TEST(rest.rejected.empty());
  BOOST_TEST(rest.late.empty());
  BOOST_TEST((rest.counts == expected.counts));
  BOOST_TEST((rejected == expected.rejected));
  BOOST_TEST((late == expected.late));
  BOOST_TEST((merged_by_customer(sim, until) == expected.invoices));
  std::stringstream out;
  BOOST_CHECK_THROW(sim.save(out), configuration_error);  // it keeps no copy to save
}

}  // namespace meterkit::test_handed_over
