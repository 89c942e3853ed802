Feature: The SA prepares and shares the readout
  After the discovery call the SA turns the answers into a readout (summary, design,
  architecture, roadmap, migration, markets, KPIs, risks, call notes), shares a read-only copy
  with the customer by link, and later sees what changed since the last readout.

  Background:
    Given I am logged in as an SA
    And a discovery for "Maison Pop SAS", a European marketplace with 200 stores moving 2 million saved cards from Adyen

  Scenario: the SA prepares and shares the readout
    Given the note "Adyen contract ends in Q3" on the section "payments_today" is marked for the readout
    And the note "They will push for a discount" on the section "channels" is not marked
    When I create the readout
    Then the readout's summary is about "Maison Pop SAS"
    And the readout shows its sections in order: summary, design, architecture, roadmap, migration, markets, kpis, risks, notes, appendix
    And the readout's call notes say "Adyen contract ends in Q3"
    And the readout does not say "They will push for a discount"
    When I share the readout for 30 days
    And the customer opens the link without logging in
    Then the customer sees "Adyen contract ends in Q3"
    And the customer does not see "They will push for a discount"
    And the customer does not see the rule trace
    And the link shows 1 opening
    When I revoke the link
    And the customer opens the link without logging in
    Then the customer is told "This link has been revoked; ask your Stripe contact for a new one."

  Scenario: an expired link shows no content
    When I create the readout
    And I share the readout for 1 day
    And 2 days pass
    And the customer opens the link without logging in
    Then the customer is told "This link has expired; ask your Stripe contact for a new one."

  Scenario: what changed since the last readout
    When I create the readout
    And I answer "channels" with "web"
    And I create the readout
    Then the comparison with the previous readout shows "terminal" removed from the products
    And the comparison shows no market added or removed
