Feature: Worked examples from the domain reference
  The four public worked examples (DOMAIN.md section 4). The same answers are in
  docs/examples/*.json for `recommender evaluate --answers`.

  Scenario: B2B SaaS with seats plus usage selling to US and EU businesses on NetSuite
    Given the answers:
      | answer                 | value          |
      | hq_country             | US             |
      | entity_countries       | US             |
      | customer_countries     | US, DE, FR, NL |
      | customer_type          | businesses     |
      | business_model         | saas           |
      | industry               | software       |
      | annual_volume_usd      | 20000000       |
      | avg_transaction_usd    | 2500           |
      | channels               | web            |
      | checkout_control       | hosted_ok      |
      | dev_capacity           | small          |
      | pricing_models         | seat, usage    |
      | payment_terms          | upfront        |
      | accrual_accounting     | true           |
      | annual_revenue_usd     | 20000000       |
      | pays_out_third_parties | false          |
      | erp                    | netsuite       |
      | crm                    | hubspot        |
      | data_warehouse         | none           |
      | fraud_concern          | low            |
    When the recommendation is evaluated
    Then the products include checkout, billing, usage_billing, customer_portal, tax, revenue_recognition
    And the products include sepa_debit, ach_debit, netsuite_connector, radar
    And the products exclude connect, klarna, ideal, terminal, payment_links
    And the risk tax_registration is flagged
    And the risk sca_3ds is flagged with severity medium
    And the risk sepa_settlement_delay is flagged
    And the risk usage_billing_choice is flagged
    And the product klarna is excluded
    And the product ideal is excluded
    And the derived fact segment is mid_market
    And the derived fact b2b_only is true

  Scenario: Two-sided marketplace as merchant of record paying sellers in 10 countries
    Given the answers:
      | answer                    | value                                      |
      | hq_country                | US                                         |
      | entity_countries          | US                                         |
      | customer_countries        | US                                         |
      | customer_type             | consumers                                  |
      | business_model            | marketplace                                |
      | industry                  | retail                                     |
      | annual_volume_usd         | 30000000                                   |
      | channels                  | web                                        |
      | checkout_control          | embedded                                   |
      | pricing_models            | one_time                                   |
      | pays_out_third_parties    | true                                       |
      | merchant_of_record        | platform                                   |
      | sellers_per_cart          | one                                        |
      | hold_funds_until_delivery | false                                      |
      | seller_countries          | US, CA, MX, BR, AR, CO, IN, AU, JP, SG     |
      | seller_count              | 800                                        |
      | seller_dashboard          | lightweight                                |
      | verifies_identity         | true                                       |
    When the recommendation is evaluated
    Then the products include connect, connect_destination_charges, identity, radar
    And the products exclude connect_direct_charges, connect_separate_charges_transfers, terminal, billing
    And the risk connect_platform_liability is flagged with severity high
    And the risk connect_cross_border_payouts is flagged with severity high
    And the risk connect_kyc_ownership is flagged with severity medium
    And the risk connect_no_escrow is not flagged
    And the risk identity_biometric_consent is not flagged
    And the derived fact is_platform is true

  Scenario: Retailer with 200 stores in the US and Canada plus a web shop
    Given the answers:
      | answer              | value           |
      | hq_country          | US              |
      | entity_countries    | US, CA          |
      | customer_countries  | US, CA          |
      | customer_type       | consumers       |
      | business_model      | direct_sales    |
      | industry            | retail          |
      | annual_volume_usd   | 400000000       |
      | avg_transaction_usd | 45              |
      | channels            | web, in_person  |
      | store_count         | 200             |
      | store_countries     | US, CA          |
      | checkout_control    | hosted_ok       |
      | dev_capacity        | large           |
      | pricing_models      | one_time        |
      | data_warehouse      | none            |
    When the recommendation is evaluated
    Then the products include terminal, checkout, radar, sigma
    And the products exclude connect, billing, klarna, afterpay_clearpay, multi_currency_settlement
    And the risk terminal_same_country is flagged with severity high
    And the risk sca_3ds is not flagged
    And the derived fact segment is enterprise

  Scenario: Direct-to-consumer brand selling into the Netherlands, Belgium and Germany
    Given the answers:
      | answer              | value        |
      | hq_country          | NL           |
      | entity_countries    | NL           |
      | customer_countries  | NL, BE, DE   |
      | customer_type       | consumers    |
      | business_model      | direct_sales |
      | industry            | retail       |
      | annual_volume_usd   | 8000000      |
      | avg_transaction_usd | 85           |
      | channels            | web          |
      | checkout_control    | hosted_ok    |
      | dev_capacity        | small        |
      | pricing_models      | one_time     |
    When the recommendation is evaluated
    Then the products include checkout, ideal, bancontact, klarna, tax, radar
    And the products exclude sepa_debit, link, adaptive_pricing, connect
    And the risk wero_migration is flagged
    And the risk tax_registration is flagged
    And the risk sca_3ds is flagged with severity high
    And the risk async_payment_webhooks is not flagged
    And the derived fact account_in_sca_area is true
