Feature: Fraud, disputes and restricted businesses
  Radar comes with every card integration; Radar for Fraud Teams and dispute risks follow
  fraud_concern and dispute_rate_pct (thresholds tunable in rules/stripe.yaml).

  Scenario: High fraud concern adds Radar for Fraud Teams
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | customer_countries | US        |
      | customer_type      | consumers |
      | channels           | web       |
      | fraud_concern      | high      |
      | dispute_rate_pct   | 0.2       |
    When the recommendation is evaluated
    Then the products include radar, radar_fraud_teams
    And the risk high_dispute_rate is not flagged

  Scenario: Dispute rate at the threshold is a high risk
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | customer_countries | US        |
      | customer_type      | consumers |
      | channels           | web       |
      | fraud_concern      | low       |
      | dispute_rate_pct   | 0.75      |
    When the recommendation is evaluated
    Then the products include radar, radar_fraud_teams
    And the risk high_dispute_rate is flagged with severity high

  Scenario: Dispute rate approaching the threshold is watched
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | customer_countries | US        |
      | customer_type      | consumers |
      | channels           | web       |
      | fraud_concern      | low       |
      | dispute_rate_pct   | 0.6       |
    When the recommendation is evaluated
    Then the products exclude radar_fraud_teams
    And the risk high_dispute_rate is flagged with severity medium

  Scenario: Online gambling operator needs pre-approval and no pay-later
    Given the answers:
      | answer              | value     |
      | hq_country          | GB        |
      | customer_countries  | GB        |
      | customer_type       | consumers |
      | industry            | gambling  |
      | channels            | web       |
      | avg_transaction_usd | 150       |
    When the recommendation is evaluated
    Then the risk restricted_business is flagged with severity high
    And the product klarna is excluded
    And the product afterpay_clearpay is excluded
    And the products exclude klarna, afterpay_clearpay

  Scenario: High-volume consumer seller must staff dispute responses
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | customer_countries | US        |
      | customer_type      | consumers |
      | channels           | web       |
      | annual_volume_usd  | 120000000 |
    When the recommendation is evaluated
    Then the risk dispute_response_window is flagged with severity medium
    And the derived fact segment is enterprise

  Scenario: Unanswered questions never trigger comparisons
    Given the answers:
      | answer   | value |
      | channels | web   |
    When the recommendation is evaluated
    Then the products include checkout, radar
    And the products exclude connect, tax, billing, sepa_debit
    And the risk sca_3ds is not flagged
    And the risk high_dispute_rate is not flagged
    And the risk restricted_business is not flagged
