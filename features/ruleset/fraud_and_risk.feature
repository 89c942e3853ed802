Feature: Fraud, disputes, card authentication and regulated data
  Radar comes with every card integration; Radar for Fraud Teams and dispute risks follow
  fraud_concern and dispute_rate_pct (thresholds tunable in rules/stripe.yaml). Card
  authentication follows the regimes computed from the data (auth_regimes): SCA only when an
  account and the buyers are both in the SCA area, Japan's 3DS mandate on Japanese accounts,
  India's RBI rules for buyers in India.

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

  Scenario: SCA needs both legs in the SCA area - a US account selling to Europe is not flagged
    Given the answers:
      | answer             | value      |
      | hq_country         | US         |
      | entity_countries   | US         |
      | customer_countries | US, DE, FR |
      | customer_type      | consumers  |
      | channels           | web        |
    When the recommendation is evaluated
    Then the risk sca_3ds is not flagged
    And the market plan for DE has the auth regime none

  Scenario: A European account selling to Europe and the US flags SCA for the European buyers
    Given the answers:
      | answer             | value      |
      | hq_country         | IE         |
      | customer_countries | IE, FR, US |
      | customer_type      | consumers  |
      | channels           | web        |
    When the recommendation is evaluated
    Then the risk sca_3ds is flagged with severity high
    And the market plan for FR has the auth regime sca
    And the market plan for US has the auth regime none

  Scenario: Japanese account taking online cards falls under Japan's 3DS mandate
    Given the answers:
      | answer             | value     |
      | hq_country         | JP        |
      | customer_countries | JP, US    |
      | customer_type      | consumers |
      | channels           | web       |
    When the recommendation is evaluated
    Then the risk japan_3ds_mandate is flagged with severity high
    And the risk sca_3ds is not flagged

  Scenario: One-off sales to India do not raise the e-mandate rules
    Given the answers:
      | answer             | value     |
      | hq_country         | US        |
      | customer_countries | IN        |
      | customer_type      | consumers |
      | channels           | web       |
      | pricing_models     | one_time  |
    When the recommendation is evaluated
    Then the products include upi
    And the risk india_rbi_afa_emandate is not flagged

  Scenario: US telehealth provider keeps health information out of Stripe
    Given the answers:
      | answer             | value            |
      | hq_country         | US               |
      | customer_countries | US               |
      | customer_type      | consumers        |
      | industry           | health           |
      | offering_types     | medical_services |
      | channels           | web              |
      | regulated_data     | health_phi       |
    When the recommendation is evaluated
    Then the risk phi_in_stripe is flagged with severity high
    And the risk tax_not_applicable is flagged
    And the products exclude tax

  Scenario: Data that must stay in a country is escalated
    Given the answers:
      | answer                   | value          |
      | hq_country               | DE             |
      | customer_countries       | DE             |
      | customer_type            | businesses     |
      | channels                 | web            |
      | regulated_data           | data_residency |
      | data_residency_countries | DE             |
    When the recommendation is evaluated
    Then the risk data_residency is flagged with severity medium

  Scenario: An Indian account with a warehouse gets Sigma, not Data Pipeline
    Given the answers:
      | answer             | value     |
      | hq_country         | IN        |
      | customer_countries | IN        |
      | customer_type      | consumers |
      | channels           | web       |
      | data_warehouse     | snowflake |
    When the recommendation is evaluated
    Then the products include sigma
    And the products exclude data_pipeline, upi
    And the product data_pipeline is excluded
    And the risk data_residency is flagged

