Feature: Platforms and marketplaces
  The Connect charge type follows merchant_of_record, sellers_per_cart and
  hold_funds_until_delivery; onboarding, payout geography and verification add caveats.

  Scenario: Two-sided marketplace where the platform is merchant of record
    Given the answers:
      | answer                 | value                  |
      | business_model         | marketplace            |
      | customer_countries     | US, DE                 |
      | customer_type          | businesses             |
      | annual_volume_usd      | 80000000               |
      | pays_out_third_parties | true                   |
      | merchant_of_record     | platform               |
      | sellers_per_cart       | one                    |
    When the recommendation is evaluated
    Then the products include connect, connect_destination_charges, radar
    And the products exclude connect_direct_charges
    And the risk connect_platform_liability is flagged with severity high
    And the risk sca_3ds is not flagged
    And the products exclude klarna
    And the derived fact segment is enterprise

  Scenario: Vertical SaaS where each business is merchant of record
    Given the answers:
      | answer                 | value          |
      | hq_country             | US             |
      | business_model         | platform       |
      | customer_countries     | US             |
      | customer_type          | consumers      |
      | channels               | web, in_person |
      | store_countries        | US             |
      | pays_out_third_parties | true           |
      | merchant_of_record     | seller         |
      | sellers_per_cart       | one            |
      | seller_dashboard       | full           |
    When the recommendation is evaluated
    Then the products include connect, connect_direct_charges, terminal
    And the products exclude connect_destination_charges, connect_separate_charges_transfers
    And the risk connect_kyc_ownership is flagged with severity medium
    And the risk connect_platform_liability is not flagged
    And the risk terminal_same_country is not flagged

  Scenario: Multi-seller cart with funds held until delivery
    Given the answers:
      | answer                    | value       |
      | hq_country                | GB          |
      | business_model            | marketplace |
      | customer_countries        | GB          |
      | customer_type             | consumers   |
      | channels                  | web         |
      | pays_out_third_parties    | true        |
      | merchant_of_record        | seller      |
      | sellers_per_cart          | many        |
      | hold_funds_until_delivery | true        |
      | seller_countries          | GB, FR, DE  |
    When the recommendation is evaluated
    Then the products include connect, connect_separate_charges_transfers
    And the products exclude connect_direct_charges, connect_destination_charges, global_payouts
    And the product connect_direct_charges is excluded
    And the risk connect_no_escrow is flagged with severity high
    And the risk connect_platform_liability is flagged with severity high
    And the risk connect_cross_border_payouts is not flagged
    And the risk dispute_response_window is flagged

  Scenario: On-demand platform paying workers instantly without a Stripe dashboard
    Given the answers:
      | answer                 | value     |
      | hq_country             | CA        |
      | business_model         | on_demand |
      | customer_countries     | CA        |
      | customer_type          | consumers |
      | channels               | mobile_app |
      | pays_out_third_parties | true      |
      | merchant_of_record     | platform  |
      | sellers_per_cart       | one       |
      | seller_countries       | CA        |
      | seller_dashboard       | none      |
      | instant_payouts_needed | true      |
    When the recommendation is evaluated
    Then the products include connect, connect_destination_charges, instant_payouts, payment_element
    And the risk connect_kyc_ownership is flagged with severity high

  Scenario: Instant Payouts are explained away where they are not offered
    Given the answers:
      | answer                 | value     |
      | hq_country             | BR        |
      | business_model         | on_demand |
      | customer_countries     | BR        |
      | customer_type          | consumers |
      | pays_out_third_parties | true      |
      | merchant_of_record     | platform  |
      | instant_payouts_needed | true      |
    When the recommendation is evaluated
    Then the products exclude instant_payouts
    And the product instant_payouts is excluded

  Scenario: Platform outside the payout area cannot use Global Payouts
    Given the answers:
      | answer                 | value       |
      | hq_country             | SG          |
      | business_model         | marketplace |
      | customer_countries     | SG          |
      | customer_type          | consumers   |
      | pays_out_third_parties | true        |
      | merchant_of_record     | platform    |
      | sellers_per_cart       | one         |
      | seller_countries       | SG, MY, TH  |
    When the recommendation is evaluated
    Then the products include connect, connect_destination_charges
    And the product global_payouts is excluded
    And the risk connect_cross_border_payouts is flagged

  Scenario: US platform paying creators worldwide uses Global Payouts
    Given the answers:
      | answer                 | value          |
      | hq_country             | US             |
      | business_model         | platform       |
      | customer_countries     | US             |
      | customer_type          | consumers      |
      | pays_out_third_parties | true           |
      | merchant_of_record     | seller         |
      | sellers_per_cart       | one            |
      | seller_countries       | US, PH, NG, IN |
    When the recommendation is evaluated
    Then the products include global_payouts, connect_direct_charges
    And the risk connect_cross_border_payouts is flagged with severity high

  Scenario: European marketplace verifying sellers with Identity
    Given the answers:
      | answer                 | value       |
      | hq_country             | FR          |
      | business_model         | marketplace |
      | customer_countries     | FR, DE      |
      | customer_type          | consumers   |
      | channels               | web         |
      | pays_out_third_parties | true        |
      | merchant_of_record     | platform    |
      | sellers_per_cart       | one         |
      | seller_countries       | FR, ES      |
      | verifies_identity      | true        |
    When the recommendation is evaluated
    Then the products include identity, connect_destination_charges
    And the risk identity_biometric_consent is flagged
    And the risk sca_3ds is flagged with severity high

  Scenario: Dutch marketplace with EU sellers reports them under DAC7
    Given the answers:
      | answer                 | value         |
      | hq_country             | NL            |
      | business_model         | marketplace   |
      | customer_countries     | NL, BE, DE    |
      | customer_type          | consumers     |
      | channels               | web           |
      | pays_out_third_parties | true          |
      | merchant_of_record     | seller        |
      | sellers_per_cart       | one           |
      | seller_countries       | NL, BE, DE    |
      | payout_tax_reporting   | eu_dac7       |
    When the recommendation is evaluated
    Then the products include connect, connect_direct_charges, connect_tax_reporting
    And the risk payout_tax_reporting is flagged with severity medium

  Scenario: Platforms with no payee tax forms get no tax reporting product
    Given the answers:
      | answer                 | value       |
      | hq_country             | US          |
      | business_model         | platform    |
      | customer_countries     | US          |
      | customer_type          | businesses  |
      | pays_out_third_parties | true        |
      | merchant_of_record     | seller      |
      | payout_tax_reporting   | none        |
    When the recommendation is evaluated
    Then the products exclude connect_tax_reporting
    And the risk payout_tax_reporting is not flagged

  Scenario: US platform with Brazilian sellers cannot take application fees from their accounts
    Given the answers:
      | answer                 | value       |
      | hq_country             | US          |
      | business_model         | platform    |
      | customer_countries     | US, BR      |
      | customer_type          | consumers   |
      | pays_out_third_parties | true        |
      | merchant_of_record     | seller      |
      | sellers_per_cart       | one         |
      | seller_countries       | US, BR      |
    When the recommendation is evaluated
    Then the products include connect_direct_charges, global_payouts
    And the risk connect_cross_border_payouts is flagged

