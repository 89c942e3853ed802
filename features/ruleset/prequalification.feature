Feature: Pre-qualification fit tier and first products
  Scenarios for rules/prequalification.yaml: files named after a ruleset belong to it; the
  other files in this folder belong to the default stripe ruleset.

  Scenario: A large direct seller talks to an SA now
    Given the answers:
      | answer            | value       |
      | business_model    | saas        |
      | channels          | web         |
      | dev_capacity      | small       |
      | pricing_models    | seat        |
      | annual_volume_usd | 25000000    |
    When the recommendation is evaluated
    Then the derived fact fit_tier is enterprise
    And the products include checkout, billing, radar

  Scenario: A marketplace past one million is enterprise and gets Connect
    Given the answers:
      | answer                 | value       |
      | business_model         | marketplace |
      | pays_out_third_parties | true        |
      | channels               | web         |
      | dev_capacity           | large       |
      | annual_volume_usd      | 2000000     |
    When the recommendation is evaluated
    Then the derived fact fit_tier is enterprise
    And the products include connect, payment_element, radar
    And the risk connect_kyc_ownership is flagged

  Scenario: A restricted industry always goes to an SA, whatever the volume
    Given the answers:
      | answer            | value         |
      | business_model    | direct_sales  |
      | industry          | crypto        |
      | annual_volume_usd | 100000        |
    When the recommendation is evaluated
    Then the derived fact fit_tier is enterprise
    And the risk restricted_business is flagged

  Scenario: A mid-sized direct seller is growth
    Given the answers:
      | answer            | value        |
      | business_model    | direct_sales |
      | channels          | web          |
      | dev_capacity      | none         |
      | annual_volume_usd | 3000000      |
    When the recommendation is evaluated
    Then the derived fact fit_tier is growth
    And the products include checkout

  Scenario: A smaller business switching processors is growth and gets card migration
    Given the answers:
      | answer            | value        |
      | business_model    | direct_sales |
      | channels          | web          |
      | dev_capacity      | small        |
      | current_processor | braintree    |
      | annual_volume_usd | 500000       |
    When the recommendation is evaluated
    Then the derived fact fit_tier is growth
    And the products include card_migration, checkout
    And the risk card_migration_double_billing is flagged

  Scenario: A small seller without a website starts self-serve with Payment Links
    Given the answers:
      | answer            | value        |
      | business_model    | direct_sales |
      | channels          | no_code      |
      | dev_capacity      | none         |
      | current_processor | none         |
      | annual_volume_usd | 200000       |
    When the recommendation is evaluated
    Then the derived fact fit_tier is self_serve
    And the products include payment_links
    And the products exclude connect, card_migration
